"""Land-use scenarios: demand, suitability, a PLUS-like cellular automaton and the
validation of a simulated map against a held-out year (Pontius's measures)."""
