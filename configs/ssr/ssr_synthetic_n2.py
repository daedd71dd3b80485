# SSR on the synthetic benchmark, N = 2, CPU budget.
_base_ = [
    '../_base_/models/ssr.py', '../_base_/datasets/synthetic_semi.py',
    '../_base_/schedules/ssr_cpu_synthetic.py', '../_base_/default_runtime.py'
]
