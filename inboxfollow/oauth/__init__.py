"""OAuth2 without a token helper: `inboxfollow auth login` and the grant it stores.

`client` holds the providers' endpoints and the token endpoint's one request;
`flows` the two ways to get a grant (authorization code with PKCE on a loopback
redirect, and the device code of RFC 8628); `grants` keeps the refresh token
(mode 0600, or the system keyring) and turns it into fresh access tokens.
"""
