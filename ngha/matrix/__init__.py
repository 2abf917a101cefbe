"""The resilience matrix: every service against every backend fault (`ngha chaos matrix`)."""
