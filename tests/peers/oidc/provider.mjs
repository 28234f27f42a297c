// An OpenID provider on loopback for the web desk's sign-in tests (node + oidc-provider 8).
// Env: CLIENT_ID, CLIENT_SECRET, REDIRECT_URI (the desk's callback). Listens on an
// ephemeral port and prints "ready <issuer>" once it answers. The development login
// form takes any user name as the subject; the e-mail claim is "<name>@example.test".
import http from 'node:http';
import Provider from 'oidc-provider';

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const oidc = new Provider(issuer, {
    cookies: { keys: ['test-only-cookie-key'] },
    clients: [{
      client_id: process.env.CLIENT_ID || 'desk',
      client_secret: process.env.CLIENT_SECRET || 'desk-secret',
      redirect_uris: [process.env.REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    async findAccount(ctx, id) {
      return {
        accountId: id,
        async claims() { return { sub: id, email: `${id}@example.test`, email_verified: true }; },
      };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
  });
  server.on('request', oidc.callback());
  process.stdout.write(`ready ${issuer}\n`);
});
