"""Double-entry money movements. A balance is always a sum of entries, never a stored number."""
