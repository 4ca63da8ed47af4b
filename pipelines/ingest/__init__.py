"""Landing -> contracts -> warehouse: discovering returns, loading them, planning loads."""
