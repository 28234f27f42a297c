"""The use cases (calls, review, library, exports, sync, retention, recovery, doctor)
and their wiring (`compose.build_context`); they own threads and lifecycles, know no widget."""
