"""Quality gates: translation checks, plain-language report, sign-off."""
