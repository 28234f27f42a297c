"""Who is at the browser: local accounts (argon2), OpenID Connect (Authlib), sessions
(server-side rows behind an HttpOnly, SameSite cookie, with an idle timeout), CSRF tokens
and the rate limit on failed sign-ins. Tables and migrations of the web floor's own."""
