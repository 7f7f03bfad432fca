"""orders_client: 3 extras."""
__all__ = ["cli","http","yaml"]
