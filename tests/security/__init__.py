"""Security checks of the website and its settings: the CSP and CSRF walks (generated from the URL
conf, like the isolation walk), production headers, session rotation, reset tokens, API keys and the
alert webhook's replay window. docs/security.md maps each to the OWASP ASVS line it proves."""
