"""birthgaps: inequalities in preterm birth and low birth weight."""
