"""Kapok's benchmarks (`make bench`): ours against the best alternative and the raw database.

Each benchmark measures Kapok's code and a fair alternative in the same run, on a throw-away
database built for the purpose (SQLite by default, PostgreSQL with ``--postgres``), and reports
rates, their ratio and peak memory. Results are printed as a table and written as JSON to
var/bench/.
"""
