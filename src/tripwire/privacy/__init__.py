"""Privacy checks: personal data in columns, keyed pseudonyms, k-anonymity, synthetic data.

A checks-level stage (like detectors): it reads frames and profiles and returns findings;
the commands that compose it live in `tripwire.run.privacy`.
"""
