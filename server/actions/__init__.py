"""The desk's commands, one module per area.

Each area follows the same tiers: `check_*` validates and authorizes, `do_*` writes rows,
an audit entry and events in one transaction; only actions publish events.
"""
