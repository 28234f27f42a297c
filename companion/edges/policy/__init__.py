"""Policy files on disk: which one is in force, and its organisation signature."""
