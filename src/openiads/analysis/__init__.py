"""Analysis over scenarios and runs: coverage maps and diagrams, engagement envelopes.

Modules are imported on use (``from openiads.analysis import coverage``) so that importing this
package stays light.
"""
