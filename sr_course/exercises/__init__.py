"""The checks of the lessons' exercises, one module per lesson, each exported by the notebook right after its lesson
(`nbs/lessons/01a_interpolation_exercises.ipynb` -> `sr_course.exercises.interpolation`, ...). The framework they
use is `sr_course.checks`."""
