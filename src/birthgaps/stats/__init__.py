"""stats: the cell table in; rates with confidence intervals and benchmark comparisons, recent trends,
inequality indices and funnel limits out, each restricted (exact) and published (disclosure-controlled)."""
