"""Test support: real servers, real clients, the backends they run on."""
