"""Commands of the fund."""
