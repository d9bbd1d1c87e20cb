"""Pure physics functions over NumPy arrays, in SI units (decibels only in ``*_db`` names).

Submodules: :mod:`~openiads.physics.earth` (horizon, refraction, geodesy),
:mod:`~openiads.physics.detection` (radar equation, Pd), :mod:`~openiads.physics.rcs`
(aspect-dependent RCS), :mod:`~openiads.physics.kinematics` (routes, fly-out, intercept
point) and :mod:`~openiads.physics.lethality` (kill probability, salvo arithmetic).
"""
