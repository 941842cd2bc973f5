"""Local stand-ins for the networks: small HTTP apps that speak their documented APIs."""
