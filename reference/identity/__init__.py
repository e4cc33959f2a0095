"""Who is calling: personal API keys, their scopes and projects, and the authenticator the app runs."""
