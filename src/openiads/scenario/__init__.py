"""Scenario files: loading with precise errors, validation, and compilation into a World.

>>> from openiads.scenario import load_scenario, compile_world      # doctest: +SKIP
>>> scenario = load_scenario("scenarios/hormuz-2019.yaml")
>>> world = compile_world(scenario)
"""

from openiads.scenario.compile import World, compile_world
from openiads.scenario.load import load_scenario, load_scenario_text
from openiads.scenario.schema import Scenario

__all__ = ["Scenario", "World", "compile_world", "load_scenario", "load_scenario_text"]
