"""The desk's writes, one module per area.

Each area follows the same tiers: `check_*` validates and authorizes what depends on the
data (taking over a claim, being the reply's author, four eyes), `do_*` writes rows, an
audit entry and events in one transaction; only actions publish events. The permission a
command needs is checked once, before the action runs, by the command registry
(server/commands/): every transport reaches actions through it.
"""
