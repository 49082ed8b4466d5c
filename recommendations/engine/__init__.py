"""Recommendation algorithms and offline evaluation: numpy, scipy, pandas, implicit and LightFM only.

Nothing here imports Django: the Django side hands in DataFrames and stores what comes back, so
every algorithm can be tested and benchmarked alone.
"""
