"""Who is calling: API tokens now; sessions from the OpenID Connect sign-in join here."""
