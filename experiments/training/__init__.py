"""Training: the loop and the pieces it is made of.

    loop.py        `train_and_evaluate(config, workdir)`, `load_run(workdir)`, `build(config)`
    steps.py       the train state, one optimisation / evaluation step, prefetching,
                   the non-finite-loss check (shared with the study's vmapped loop)
    metrics.py     losses and metrics of every objective, the evaluation's added metrics
    optimizers.py  the optimisers and schedules (the one table validation also reads)
"""
