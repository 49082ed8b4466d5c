"""Training: load data, fit, evaluate, store the artifact, publish behind a guard, write candidates."""
