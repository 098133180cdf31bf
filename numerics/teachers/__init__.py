"""Teachers, one kind per module, and their registration table.

``Teacher(kind=..., ...)`` and ``Teacher.from_table(toml_table)`` build the kind's class; a new
kind is one module defining a ``Teacher`` subclass plus one entry in :data:`TEACHER_KINDS`.
"""

from modelcollapse.numerics.teachers.base import Teacher
from modelcollapse.numerics.teachers.coefficients import CoefficientTeacher
from modelcollapse.numerics.teachers.isotropic import IsotropicTeacher
from modelcollapse.numerics.teachers.labels import LabelTeacher
from modelcollapse.numerics.teachers.source import SourceTeacher

TEACHER_KINDS = (SourceTeacher, IsotropicTeacher, CoefficientTeacher, LabelTeacher)
Teacher.register_kinds(*TEACHER_KINDS)

__all__ = ["Teacher", "TEACHER_KINDS", "SourceTeacher", "IsotropicTeacher", "CoefficientTeacher", "LabelTeacher"]
