# SoftRas on the N = 2 labeled synthetic objects per category, CPU budget.
_base_ = [
    '../_base_/models/softras.py', '../_base_/datasets/synthetic.py',
    '../_base_/schedules/cpu_synthetic.py', '../_base_/default_runtime.py'
]
