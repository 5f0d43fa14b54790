"""What an attacker or a careless user would try: every case is refused cleanly."""
