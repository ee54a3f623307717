"""The measured table behind `rec.tuning` (generated; do not edit by hand).

Written by `python -m experiments.benchmark.tuning WORKDIR --write` from the in-process
rows of a benchmark run. `SOURCE` gives per platform (`rec.tuning.platform`) the run's
command, commit, date, machine and software; `MEASURED` maps (platform, cell class, B, T,
H) to the layout chosen for the training step there and the medians it was chosen from
(ms).
"""

SOURCE = {'cpu/AVX-512': {'command': 'python launch.py '
                            '--config=experiments/configs/benchmark.py:tuning '
                            "--workdir=runs/tuning --config.shapes=('8,64,64,64', "
                            "'8,64,64,128', '8,64,64,256', '8,64,64,512', "
                            "'32,64,64,64', '32,64,64,128', '32,64,64,256', "
                            "'32,64,64,512', '128,64,64,64', '128,64,64,128', "
                            "'128,64,64,256', '128,64,64,512', '8,256,64,64', "
                            "'8,256,64,128', '8,256,64,256', '8,256,64,512', "
                            "'32,256,64,64', '32,256,64,128', '32,256,64,256', "
                            "'32,256,64,512', '128,256,64,64', '128,256,64,128', "
                            "'128,256,64,256', '128,256,64,512')",
                 'commit': '84f518ef570d0e3362cb7c091319ad41270be7f4',
                 'date': '2026-12-07 20:23 UTC',
                 'machine': 'Intel(R) Xeon(R) Processor (x86_64, 2 cores, AVX-512), '
                            'JAX 0.10.2 on cpu, PyTorch 2.13.0+cpu (2 threads); host '
                            'memory: freed memory kept for reuse (launch.py '
                            '--host_memory=reuse)',
                 'software': {'flax': '0.12.8',
                              'jax': '0.10.2',
                              'jaxlib': '0.10.2',
                              'numpy': '2.4.6',
                              'optax': '0.2.8',
                              'orbax-checkpoint': '0.12.8',
                              'python': '3.11.7'}},
 'cpu/AVX2': {'command': 'python launch.py '
                         '--config=experiments/configs/benchmark.py:tuning '
                         '--workdir=runs/tuning',
              'commit': '98f1bafde77bb0888a0704de2a39eac2bb60e5fb',
              'date': '2026-12-03 07:48 UTC',
              'machine': 'AMD EPYC (x86_64, 2 cores, AVX2), JAX 0.10.2 on cpu; host '
                         'memory: freed memory kept for reuse (launch.py '
                         '--host_memory=reuse)',
              'software': {'flax': '0.12.8',
                           'jax': '0.10.2',
                           'jaxlib': '0.10.2',
                           'numpy': '2.4.6',
                           'optax': '0.2.8',
                           'orbax-checkpoint': '0.12.8',
                           'python': '3.11.7'}}}

MEASURED = {
    ('cpu/AVX-512', 'GRU', 8, 64, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 2.144, 'feature_major': 3.754, 'batch_major_split': 2.517, 'feature_major_split': 4.598},
        'forward_ms': {'batch_major': 0.842, 'feature_major': 1.395, 'batch_major_split': 1.11, 'feature_major_split': 1.676}},
    ('cpu/AVX-512', 'GRU', 8, 64, 128): {
        'layout': 'batch_major_split',
        'train_ms': {'batch_major': 4.991, 'feature_major': 8.34, 'batch_major_split': 4.605, 'feature_major_split': 8.8},
        'forward_ms': {'batch_major': 2.136, 'feature_major': 3.127, 'batch_major_split': 2.363, 'feature_major_split': 3.363}},
    ('cpu/AVX-512', 'GRU', 8, 64, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 13.23, 'feature_major': 19.906, 'batch_major_split': 13.178, 'feature_major_split': 19.928},
        'forward_ms': {'batch_major': 5.046, 'feature_major': 10.268, 'batch_major_split': 5.566, 'feature_major_split': 7.829}},
    ('cpu/AVX-512', 'GRU', 8, 64, 512): {
        'layout': 'batch_major_split',
        'train_ms': {'batch_major': 40.84, 'feature_major': 48.12, 'batch_major_split': 36.497, 'feature_major_split': 55.948},
        'forward_ms': {'batch_major': 13.569, 'feature_major': 16.439, 'batch_major_split': 14.56, 'feature_major_split': 18.346}},
    ('cpu/AVX-512', 'GRU', 8, 256, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 8.966, 'feature_major': 12.777, 'batch_major_split': 8.903, 'feature_major_split': 16.164},
        'forward_ms': {'batch_major': 2.74, 'feature_major': 4.526, 'batch_major_split': 3.869, 'feature_major_split': 5.91}},
    ('cpu/AVX-512', 'GRU', 8, 256, 128): {
        'layout': 'batch_major_split',
        'train_ms': {'batch_major': 17.517, 'feature_major': 27.765, 'batch_major_split': 16.23, 'feature_major_split': 31.991},
        'forward_ms': {'batch_major': 6.086, 'feature_major': 9.016, 'batch_major_split': 7.049, 'feature_major_split': 11.023}},
    ('cpu/AVX-512', 'GRU', 8, 256, 256): {
        'layout': 'batch_major_split',
        'train_ms': {'batch_major': 44.928, 'feature_major': 63.914, 'batch_major_split': 39.549, 'feature_major_split': 79.092},
        'forward_ms': {'batch_major': 18.701, 'feature_major': 23.316, 'batch_major_split': 19.01, 'feature_major_split': 23.269}},
    ('cpu/AVX-512', 'GRU', 8, 256, 512): {
        'layout': 'batch_major_split',
        'train_ms': {'batch_major': 145.987, 'feature_major': 166.762, 'batch_major_split': 131.501, 'feature_major_split': 187.255},
        'forward_ms': {'batch_major': 52.578, 'feature_major': 60.358, 'batch_major_split': 58.161, 'feature_major_split': 71.26}},
    ('cpu/AVX-512', 'GRU', 32, 64, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 6.292, 'feature_major': 6.798, 'batch_major_split': 6.896, 'feature_major_split': 7.686},
        'forward_ms': {'batch_major': 2.636, 'feature_major': 3.26, 'batch_major_split': 3.444, 'feature_major_split': 4.484}},
    ('cpu/AVX-512', 'GRU', 32, 64, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 17.154, 'feature_major': 18.392, 'batch_major_split': 17.423, 'feature_major_split': 17.73},
        'forward_ms': {'batch_major': 8.142, 'feature_major': 8.746, 'batch_major_split': 8.804, 'feature_major_split': 11.774}},
    ('cpu/AVX-512', 'GRU', 32, 64, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 34.52, 'feature_major': 34.726, 'batch_major_split': 33.981, 'feature_major_split': 35.821},
        'forward_ms': {'batch_major': 14.158, 'feature_major': 15.318, 'batch_major_split': 14.765, 'feature_major_split': 17.317}},
    ('cpu/AVX-512', 'GRU', 32, 64, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 112.235, 'feature_major': 104.973, 'batch_major_split': 107.71, 'feature_major_split': 108.904},
        'forward_ms': {'batch_major': 37.42, 'feature_major': 34.602, 'batch_major_split': 37.677, 'feature_major_split': 40.259}},
    ('cpu/AVX-512', 'GRU', 32, 256, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 31.003, 'feature_major': 38.737, 'batch_major_split': 38.38, 'feature_major_split': 43.055},
        'forward_ms': {'batch_major': 11.033, 'feature_major': 13.167, 'batch_major_split': 14.036, 'feature_major_split': 18.342}},
    ('cpu/AVX-512', 'GRU', 32, 256, 128): {
        'layout': 'batch_major_split',
        'train_ms': {'batch_major': 70.363, 'feature_major': 79.514, 'batch_major_split': 66.551, 'feature_major_split': 84.421},
        'forward_ms': {'batch_major': 21.676, 'feature_major': 23.611, 'batch_major_split': 28.783, 'feature_major_split': 33.081}},
    ('cpu/AVX-512', 'GRU', 32, 256, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 155.878, 'feature_major': 165.652, 'batch_major_split': 158.306, 'feature_major_split': 175.301},
        'forward_ms': {'batch_major': 64.769, 'feature_major': 66.534, 'batch_major_split': 60.643, 'feature_major_split': 73.317}},
    ('cpu/AVX-512', 'GRU', 32, 256, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 427.794, 'feature_major': 414.399, 'batch_major_split': 417.591, 'feature_major_split': 424.401},
        'forward_ms': {'batch_major': 124.992, 'feature_major': 119.327, 'batch_major_split': 135.469, 'feature_major_split': 157.806}},
    ('cpu/AVX-512', 'GRU', 128, 64, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 23.64, 'feature_major': 26.13, 'batch_major_split': 24.917, 'feature_major_split': 29.411},
        'forward_ms': {'batch_major': 9.188, 'feature_major': 9.392, 'batch_major_split': 9.695, 'feature_major_split': 12.602}},
    ('cpu/AVX-512', 'GRU', 128, 64, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 59.317, 'feature_major': 60.467, 'batch_major_split': 61.564, 'feature_major_split': 63.988},
        'forward_ms': {'batch_major': 24.31, 'feature_major': 23.932, 'batch_major_split': 24.578, 'feature_major_split': 27.57}},
    ('cpu/AVX-512', 'GRU', 128, 64, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 122.971, 'feature_major': 132.525, 'batch_major_split': 127.815, 'feature_major_split': 138.71},
        'forward_ms': {'batch_major': 43.714, 'feature_major': 44.433, 'batch_major_split': 44.174, 'feature_major_split': 51.907}},
    ('cpu/AVX-512', 'GRU', 128, 64, 512): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 338.837, 'feature_major': 354.219, 'batch_major_split': 357.124, 'feature_major_split': 372.867},
        'forward_ms': {'batch_major': 101.111, 'feature_major': 105.098, 'batch_major_split': 111.489, 'feature_major_split': 106.879}},
    ('cpu/AVX-512', 'GRU', 128, 256, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 84.58, 'feature_major': 115.859, 'batch_major_split': 100.935, 'feature_major_split': 139.146},
        'forward_ms': {'batch_major': 37.787, 'feature_major': 42.462, 'batch_major_split': 41.108, 'feature_major_split': 53.79}},
    ('cpu/AVX-512', 'GRU', 128, 256, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 234.078, 'feature_major': 248.54, 'batch_major_split': 243.103, 'feature_major_split': 258.547},
        'forward_ms': {'batch_major': 101.557, 'feature_major': 98.948, 'batch_major_split': 98.251, 'feature_major_split': 118.192}},
    ('cpu/AVX-512', 'GRU', 128, 256, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 515.569, 'feature_major': 596.64, 'batch_major_split': 524.168, 'feature_major_split': 607.314},
        'forward_ms': {'batch_major': 162.113, 'feature_major': 159.519, 'batch_major_split': 163.605, 'feature_major_split': 209.478}},
    ('cpu/AVX-512', 'GRU', 128, 256, 512): {
        'layout': 'batch_major_split',
        'train_ms': {'batch_major': 1603.379, 'feature_major': 1674.465, 'batch_major_split': 1554.445, 'feature_major_split': 1765.314},
        'forward_ms': {'batch_major': 555.911, 'feature_major': 597.129, 'batch_major_split': 551.365, 'feature_major_split': 680.431}},
    ('cpu/AVX-512', 'LSTM', 8, 64, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 2.761, 'feature_major': 4.892, 'batch_major_split': 2.822, 'feature_major_split': 4.879},
        'forward_ms': {'batch_major': 1.849, 'feature_major': 1.611, 'batch_major_split': 1.356, 'feature_major_split': 1.844}},
    ('cpu/AVX-512', 'LSTM', 8, 64, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 5.242, 'feature_major': 9.455, 'batch_major_split': 5.171, 'feature_major_split': 9.568},
        'forward_ms': {'batch_major': 2.018, 'feature_major': 3.035, 'batch_major_split': 2.327, 'feature_major_split': 3.182}},
    ('cpu/AVX-512', 'LSTM', 8, 64, 256): {
        'layout': 'batch_major_split',
        'train_ms': {'batch_major': 16.838, 'feature_major': 27.226, 'batch_major_split': 12.964, 'feature_major_split': 21.122},
        'forward_ms': {'batch_major': 4.999, 'feature_major': 6.73, 'batch_major_split': 6.124, 'feature_major_split': 6.565}},
    ('cpu/AVX-512', 'LSTM', 8, 64, 512): {
        'layout': 'batch_major_split',
        'train_ms': {'batch_major': 53.943, 'feature_major': 56.258, 'batch_major_split': 50.777, 'feature_major_split': 60.297},
        'forward_ms': {'batch_major': 21.35, 'feature_major': 19.754, 'batch_major_split': 19.093, 'feature_major_split': 20.475}},
    ('cpu/AVX-512', 'LSTM', 8, 256, 64): {
        'layout': 'batch_major_split',
        'train_ms': {'batch_major': 10.311, 'feature_major': 17.809, 'batch_major_split': 9.727, 'feature_major_split': 17.415},
        'forward_ms': {'batch_major': 3.824, 'feature_major': 5.243, 'batch_major_split': 4.661, 'feature_major_split': 6.013}},
    ('cpu/AVX-512', 'LSTM', 8, 256, 128): {
        'layout': 'batch_major_split',
        'train_ms': {'batch_major': 23.158, 'feature_major': 42.582, 'batch_major_split': 21.555, 'feature_major_split': 44.168},
        'forward_ms': {'batch_major': 8.99, 'feature_major': 12.497, 'batch_major_split': 10.611, 'feature_major_split': 13.651}},
    ('cpu/AVX-512', 'LSTM', 8, 256, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 48.479, 'feature_major': 70.604, 'batch_major_split': 49.196, 'feature_major_split': 72.793},
        'forward_ms': {'batch_major': 18.738, 'feature_major': 20.023, 'batch_major_split': 21.648, 'feature_major_split': 23.055}},
    ('cpu/AVX-512', 'LSTM', 8, 256, 512): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 217.203, 'feature_major': 239.071, 'batch_major_split': 220.178, 'feature_major_split': 242.906},
        'forward_ms': {'batch_major': 83.674, 'feature_major': 76.412, 'batch_major_split': 83.739, 'feature_major_split': 81.551}},
    ('cpu/AVX-512', 'LSTM', 32, 64, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 7.789, 'feature_major': 10.039, 'batch_major_split': 8.273, 'feature_major_split': 10.768},
        'forward_ms': {'batch_major': 3.203, 'feature_major': 3.438, 'batch_major_split': 3.313, 'feature_major_split': 4.087}},
    ('cpu/AVX-512', 'LSTM', 32, 64, 128): {
        'layout': 'batch_major_split',
        'train_ms': {'batch_major': 20.17, 'feature_major': 22.23, 'batch_major_split': 18.801, 'feature_major_split': 22.71},
        'forward_ms': {'batch_major': 7.487, 'feature_major': 8.247, 'batch_major_split': 8.284, 'feature_major_split': 8.748}},
    ('cpu/AVX-512', 'LSTM', 32, 64, 256): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 46.474, 'feature_major': 45.097, 'batch_major_split': 44.419, 'feature_major_split': 44.471},
        'forward_ms': {'batch_major': 19.145, 'feature_major': 14.262, 'batch_major_split': 17.32, 'feature_major_split': 14.862}},
    ('cpu/AVX-512', 'LSTM', 32, 64, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 141.723, 'feature_major': 131.699, 'batch_major_split': 135.108, 'feature_major_split': 132.851},
        'forward_ms': {'batch_major': 52.865, 'feature_major': 40.753, 'batch_major_split': 44.777, 'feature_major_split': 42.006}},
    ('cpu/AVX-512', 'LSTM', 32, 256, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 31.532, 'feature_major': 38.825, 'batch_major_split': 31.968, 'feature_major_split': 40.857},
        'forward_ms': {'batch_major': 13.451, 'feature_major': 31.829, 'batch_major_split': 32.259, 'feature_major_split': 17.111}},
    ('cpu/AVX-512', 'LSTM', 32, 256, 128): {
        'layout': 'batch_major_split',
        'train_ms': {'batch_major': 103.63, 'feature_major': 99.841, 'batch_major_split': 85.623, 'feature_major_split': 105.272},
        'forward_ms': {'batch_major': 28.72, 'feature_major': 29.241, 'batch_major_split': 30.029, 'feature_major_split': 31.083}},
    ('cpu/AVX-512', 'LSTM', 32, 256, 256): {
        'layout': 'batch_major_split',
        'train_ms': {'batch_major': 194.717, 'feature_major': 201.002, 'batch_major_split': 181.226, 'feature_major_split': 196.601},
        'forward_ms': {'batch_major': 68.869, 'feature_major': 56.552, 'batch_major_split': 71.611, 'feature_major_split': 59.454}},
    ('cpu/AVX-512', 'LSTM', 32, 256, 512): {
        'layout': 'feature_major_split',
        'train_ms': {'batch_major': 659.256, 'feature_major': 561.824, 'batch_major_split': 545.123, 'feature_major_split': 553.954},
        'forward_ms': {'batch_major': 266.806, 'feature_major': 172.76, 'batch_major_split': 208.012, 'feature_major_split': 199.283}},
    ('cpu/AVX-512', 'LSTM', 128, 64, 64): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 28.851, 'feature_major': 28.929, 'batch_major_split': 28.392, 'feature_major_split': 29.735},
        'forward_ms': {'batch_major': 10.713, 'feature_major': 10.995, 'batch_major_split': 11.031, 'feature_major_split': 11.264}},
    ('cpu/AVX-512', 'LSTM', 128, 64, 128): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 73.325, 'feature_major': 61.722, 'batch_major_split': 73.538, 'feature_major_split': 68.008},
        'forward_ms': {'batch_major': 28.998, 'feature_major': 20.031, 'batch_major_split': 30.741, 'feature_major_split': 24.747}},
    ('cpu/AVX-512', 'LSTM', 128, 64, 256): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 167.678, 'feature_major': 165.893, 'batch_major_split': 165.086, 'feature_major_split': 166.788},
        'forward_ms': {'batch_major': 53.691, 'feature_major': 53.514, 'batch_major_split': 56.438, 'feature_major_split': 56.719}},
    ('cpu/AVX-512', 'LSTM', 128, 64, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 484.038, 'feature_major': 485.354, 'batch_major_split': 497.763, 'feature_major_split': 477.208},
        'forward_ms': {'batch_major': 168.026, 'feature_major': 157.829, 'batch_major_split': 169.872, 'feature_major_split': 168.734}},
    ('cpu/AVX-512', 'LSTM', 128, 256, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 138.276, 'feature_major': 154.67, 'batch_major_split': 138.975, 'feature_major_split': 161.323},
        'forward_ms': {'batch_major': 33.617, 'feature_major': 45.197, 'batch_major_split': 34.314, 'feature_major_split': 45.301}},
    ('cpu/AVX-512', 'LSTM', 128, 256, 128): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 305.107, 'feature_major': 271.889, 'batch_major_split': 311.535, 'feature_major_split': 314.856},
        'forward_ms': {'batch_major': 148.838, 'feature_major': 99.522, 'batch_major_split': 146.813, 'feature_major_split': 130.892}},
    ('cpu/AVX-512', 'LSTM', 128, 256, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 595.836, 'feature_major': 628.713, 'batch_major_split': 627.369, 'feature_major_split': 622.811},
        'forward_ms': {'batch_major': 230.019, 'feature_major': 221.075, 'batch_major_split': 233.964, 'feature_major_split': 233.022}},
    ('cpu/AVX-512', 'LSTM', 128, 256, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 2013.363, 'feature_major': 1957.843, 'batch_major_split': 2031.39, 'feature_major_split': 2128.683},
        'forward_ms': {'batch_major': 540.502, 'feature_major': 540.123, 'batch_major_split': 536.517, 'feature_major_split': 501.004}},
    ('cpu/AVX-512', 'RNN', 8, 64, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 1.098, 'feature_major': 1.131, 'batch_major_split': 1.352, 'feature_major_split': 1.589},
        'forward_ms': {'batch_major': 0.406, 'feature_major': 0.554, 'batch_major_split': 0.488, 'feature_major_split': 0.744}},
    ('cpu/AVX-512', 'RNN', 8, 64, 128): {
        'layout': 'batch_major_split',
        'train_ms': {'batch_major': 2.443, 'feature_major': 2.479, 'batch_major_split': 2.077, 'feature_major_split': 2.668},
        'forward_ms': {'batch_major': 0.852, 'feature_major': 1.179, 'batch_major_split': 1.071, 'feature_major_split': 1.308}},
    ('cpu/AVX-512', 'RNN', 8, 64, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 4.15, 'feature_major': 4.903, 'batch_major_split': 4.552, 'feature_major_split': 5.331},
        'forward_ms': {'batch_major': 1.712, 'feature_major': 2.417, 'batch_major_split': 1.951, 'feature_major_split': 2.54}},
    ('cpu/AVX-512', 'RNN', 8, 64, 512): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 9.798, 'feature_major': 11.53, 'batch_major_split': 10.896, 'feature_major_split': 11.603},
        'forward_ms': {'batch_major': 4.463, 'feature_major': 4.933, 'batch_major_split': 4.847, 'feature_major_split': 6.15}},
    ('cpu/AVX-512', 'RNN', 8, 256, 64): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 5.342, 'feature_major': 4.866, 'batch_major_split': 6.39, 'feature_major_split': 6.031},
        'forward_ms': {'batch_major': 2.099, 'feature_major': 2.623, 'batch_major_split': 2.502, 'feature_major_split': 3.406}},
    ('cpu/AVX-512', 'RNN', 8, 256, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 7.045, 'feature_major': 7.197, 'batch_major_split': 7.338, 'feature_major_split': 9.674},
        'forward_ms': {'batch_major': 2.476, 'feature_major': 3.504, 'batch_major_split': 3.546, 'feature_major_split': 4.499}},
    ('cpu/AVX-512', 'RNN', 8, 256, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 11.76, 'feature_major': 13.841, 'batch_major_split': 12.544, 'feature_major_split': 13.67},
        'forward_ms': {'batch_major': 5.436, 'feature_major': 7.349, 'batch_major_split': 6.57, 'feature_major_split': 8.261}},
    ('cpu/AVX-512', 'RNN', 8, 256, 512): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 46.425, 'feature_major': 47.583, 'batch_major_split': 47.629, 'feature_major_split': 53.05},
        'forward_ms': {'batch_major': 16.384, 'feature_major': 19.341, 'batch_major_split': 18.261, 'feature_major_split': 23.371}},
    ('cpu/AVX-512', 'RNN', 32, 64, 64): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 2.612, 'feature_major': 2.531, 'batch_major_split': 2.875, 'feature_major_split': 2.993},
        'forward_ms': {'batch_major': 1.086, 'feature_major': 1.396, 'batch_major_split': 1.155, 'feature_major_split': 1.658}},
    ('cpu/AVX-512', 'RNN', 32, 64, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 5.189, 'feature_major': 5.451, 'batch_major_split': 5.314, 'feature_major_split': 6.243},
        'forward_ms': {'batch_major': 2.03, 'feature_major': 2.398, 'batch_major_split': 2.229, 'feature_major_split': 3.118}},
    ('cpu/AVX-512', 'RNN', 32, 64, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 14.414, 'feature_major': 14.04, 'batch_major_split': 14.651, 'feature_major_split': 15.506},
        'forward_ms': {'batch_major': 5.341, 'feature_major': 5.908, 'batch_major_split': 5.77, 'feature_major_split': 7.19}},
    ('cpu/AVX-512', 'RNN', 32, 64, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 39.922, 'feature_major': 37.993, 'batch_major_split': 39.184, 'feature_major_split': 42.178},
        'forward_ms': {'batch_major': 15.628, 'feature_major': 16.13, 'batch_major_split': 15.509, 'feature_major_split': 19.643}},
    ('cpu/AVX-512', 'RNN', 32, 256, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 12.38, 'feature_major': 12.302, 'batch_major_split': 13.73, 'feature_major_split': 12.541},
        'forward_ms': {'batch_major': 4.864, 'feature_major': 6.644, 'batch_major_split': 4.582, 'feature_major_split': 6.825}},
    ('cpu/AVX-512', 'RNN', 32, 256, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 20.754, 'feature_major': 22.601, 'batch_major_split': 21.416, 'feature_major_split': 26.733},
        'forward_ms': {'batch_major': 6.939, 'feature_major': 8.791, 'batch_major_split': 8.458, 'feature_major_split': 11.389}},
    ('cpu/AVX-512', 'RNN', 32, 256, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 50.051, 'feature_major': 50.14, 'batch_major_split': 50.241, 'feature_major_split': 55.765},
        'forward_ms': {'batch_major': 23.901, 'feature_major': 22.52, 'batch_major_split': 25.563, 'feature_major_split': 31.036}},
    ('cpu/AVX-512', 'RNN', 32, 256, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 242.273, 'feature_major': 217.466, 'batch_major_split': 278.77, 'feature_major_split': 250.295},
        'forward_ms': {'batch_major': 157.637, 'feature_major': 150.766, 'batch_major_split': 147.394, 'feature_major_split': 175.282}},
    ('cpu/AVX-512', 'RNN', 128, 64, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 11.899, 'feature_major': 12.281, 'batch_major_split': 12.439, 'feature_major_split': 12.265},
        'forward_ms': {'batch_major': 3.558, 'feature_major': 4.576, 'batch_major_split': 3.909, 'feature_major_split': 4.634}},
    ('cpu/AVX-512', 'RNN', 128, 64, 128): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 22.438, 'feature_major': 21.954, 'batch_major_split': 21.378, 'feature_major_split': 23.294},
        'forward_ms': {'batch_major': 8.145, 'feature_major': 10.024, 'batch_major_split': 8.4, 'feature_major_split': 9.104}},
    ('cpu/AVX-512', 'RNN', 128, 64, 256): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 51.632, 'feature_major': 49.81, 'batch_major_split': 64.805, 'feature_major_split': 63.241},
        'forward_ms': {'batch_major': 19.778, 'feature_major': 21.122, 'batch_major_split': 22.6, 'feature_major_split': 28.477}},
    ('cpu/AVX-512', 'RNN', 128, 64, 512): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 140.347, 'feature_major': 138.391, 'batch_major_split': 147.611, 'feature_major_split': 141.242},
        'forward_ms': {'batch_major': 50.633, 'feature_major': 47.102, 'batch_major_split': 48.52, 'feature_major_split': 47.558}},
    ('cpu/AVX-512', 'RNN', 128, 256, 64): {
        'layout': 'batch_major_split',
        'train_ms': {'batch_major': 88.173, 'feature_major': 74.305, 'batch_major_split': 67.718, 'feature_major_split': 87.469},
        'forward_ms': {'batch_major': 16.349, 'feature_major': 24.976, 'batch_major_split': 16.769, 'feature_major_split': 27.036}},
    ('cpu/AVX-512', 'RNN', 128, 256, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 86.589, 'feature_major': 92.422, 'batch_major_split': 97.437, 'feature_major_split': 101.151},
        'forward_ms': {'batch_major': 27.444, 'feature_major': 37.655, 'batch_major_split': 28.395, 'feature_major_split': 41.934}},
    ('cpu/AVX-512', 'RNN', 128, 256, 256): {
        'layout': 'batch_major_split',
        'train_ms': {'batch_major': 446.503, 'feature_major': 351.077, 'batch_major_split': 321.074, 'feature_major_split': 340.81},
        'forward_ms': {'batch_major': 172.848, 'feature_major': 152.75, 'batch_major_split': 106.575, 'feature_major_split': 118.526}},
    ('cpu/AVX-512', 'RNN', 128, 256, 512): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 519.672, 'feature_major': 541.536, 'batch_major_split': 557.149, 'feature_major_split': 568.16},
        'forward_ms': {'batch_major': 191.31, 'feature_major': 205.58, 'batch_major_split': 216.007, 'feature_major_split': 206.662}},
    ('cpu/AVX2', 'GRU', 8, 64, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 2.268, 'feature_major': 2.284},
        'forward_ms': {'batch_major': 0.604, 'feature_major': 0.821}},
    ('cpu/AVX2', 'GRU', 8, 64, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 4.124, 'feature_major': 4.998},
        'forward_ms': {'batch_major': 1.45, 'feature_major': 1.841}},
    ('cpu/AVX2', 'GRU', 8, 64, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 8.535, 'feature_major': 10.45},
        'forward_ms': {'batch_major': 4.426, 'feature_major': 4.399}},
    ('cpu/AVX2', 'GRU', 8, 64, 512): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 27.934, 'feature_major': 27.189},
        'forward_ms': {'batch_major': 10.644, 'feature_major': 9.951}},
    ('cpu/AVX2', 'GRU', 8, 256, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 10.133, 'feature_major': 10.525},
        'forward_ms': {'batch_major': 3.515, 'feature_major': 5.295}},
    ('cpu/AVX2', 'GRU', 8, 256, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 20.293, 'feature_major': 24.685},
        'forward_ms': {'batch_major': 6.016, 'feature_major': 7.709}},
    ('cpu/AVX2', 'GRU', 8, 256, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 33.449, 'feature_major': 47.112},
        'forward_ms': {'batch_major': 16.728, 'feature_major': 17.601}},
    ('cpu/AVX2', 'GRU', 8, 256, 512): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 111.676, 'feature_major': 112.283},
        'forward_ms': {'batch_major': 42.344, 'feature_major': 38.904}},
    ('cpu/AVX2', 'GRU', 8, 1024, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 27.006, 'feature_major': 35.643},
        'forward_ms': {'batch_major': 9.08, 'feature_major': 13.647}},
    ('cpu/AVX2', 'GRU', 8, 1024, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 62.139, 'feature_major': 75.65},
        'forward_ms': {'batch_major': 23.6, 'feature_major': 27.691}},
    ('cpu/AVX2', 'GRU', 8, 1024, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 135.782, 'feature_major': 178.375},
        'forward_ms': {'batch_major': 71.993, 'feature_major': 68.283}},
    ('cpu/AVX2', 'GRU', 8, 1024, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 475.696, 'feature_major': 457.024},
        'forward_ms': {'batch_major': 171.637, 'feature_major': 157.347}},
    ('cpu/AVX2', 'GRU', 32, 64, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 5.306, 'feature_major': 5.298},
        'forward_ms': {'batch_major': 2.342, 'feature_major': 2.715}},
    ('cpu/AVX2', 'GRU', 32, 64, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 16.932, 'feature_major': 16.779},
        'forward_ms': {'batch_major': 5.656, 'feature_major': 5.694}},
    ('cpu/AVX2', 'GRU', 32, 64, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 30.659, 'feature_major': 29.768},
        'forward_ms': {'batch_major': 13.449, 'feature_major': 12.322}},
    ('cpu/AVX2', 'GRU', 32, 64, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 98.164, 'feature_major': 84.661},
        'forward_ms': {'batch_major': 33.409, 'feature_major': 25.938}},
    ('cpu/AVX2', 'GRU', 32, 256, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 25.18, 'feature_major': 28.625},
        'forward_ms': {'batch_major': 8.419, 'feature_major': 9.716}},
    ('cpu/AVX2', 'GRU', 32, 256, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 62.785, 'feature_major': 68.078},
        'forward_ms': {'batch_major': 27.511, 'feature_major': 27.832}},
    ('cpu/AVX2', 'GRU', 32, 256, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 145.259, 'feature_major': 147.781},
        'forward_ms': {'batch_major': 67.294, 'feature_major': 60.706}},
    ('cpu/AVX2', 'GRU', 32, 256, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 415.446, 'feature_major': 353.944},
        'forward_ms': {'batch_major': 135.98, 'feature_major': 106.64}},
    ('cpu/AVX2', 'GRU', 32, 1024, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 97.207, 'feature_major': 115.263},
        'forward_ms': {'batch_major': 39.886, 'feature_major': 47.144}},
    ('cpu/AVX2', 'GRU', 32, 1024, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 235.335, 'feature_major': 261.342},
        'forward_ms': {'batch_major': 97.83, 'feature_major': 107.906}},
    ('cpu/AVX2', 'GRU', 32, 1024, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 507.344, 'feature_major': 521.383},
        'forward_ms': {'batch_major': 212.106, 'feature_major': 181.208}},
    ('cpu/AVX2', 'GRU', 32, 1024, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 1712.959, 'feature_major': 1556.561},
        'forward_ms': {'batch_major': 562.489, 'feature_major': 438.887}},
    ('cpu/AVX2', 'GRU', 128, 64, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 19.82, 'feature_major': 23.003},
        'forward_ms': {'batch_major': 7.85, 'feature_major': 8.749}},
    ('cpu/AVX2', 'GRU', 128, 64, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 51.146, 'feature_major': 54.49},
        'forward_ms': {'batch_major': 24.13, 'feature_major': 26.644}},
    ('cpu/AVX2', 'GRU', 128, 64, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 103.35, 'feature_major': 108.397},
        'forward_ms': {'batch_major': 35.735, 'feature_major': 36.95}},
    ('cpu/AVX2', 'GRU', 128, 64, 512): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 352.501, 'feature_major': 363.745},
        'forward_ms': {'batch_major': 109.97, 'feature_major': 105.633}},
    ('cpu/AVX2', 'GRU', 128, 256, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 101.299, 'feature_major': 126.783},
        'forward_ms': {'batch_major': 35.305, 'feature_major': 39.047}},
    ('cpu/AVX2', 'GRU', 128, 256, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 221.493, 'feature_major': 245.768},
        'forward_ms': {'batch_major': 116.453, 'feature_major': 116.092}},
    ('cpu/AVX2', 'GRU', 128, 256, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 415.272, 'feature_major': 472.997},
        'forward_ms': {'batch_major': 142.302, 'feature_major': 152.511}},
    ('cpu/AVX2', 'GRU', 128, 256, 512): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 1439.586, 'feature_major': 1703.313},
        'forward_ms': {'batch_major': 448.519, 'feature_major': 439.975}},
    ('cpu/AVX2', 'GRU', 128, 1024, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 329.753, 'feature_major': 446.589},
        'forward_ms': {'batch_major': 116.535, 'feature_major': 168.574}},
    ('cpu/AVX2', 'GRU', 128, 1024, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 807.545, 'feature_major': 927.293},
        'forward_ms': {'batch_major': 353.675, 'feature_major': 409.896}},
    ('cpu/AVX2', 'GRU', 128, 1024, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 2571.062, 'feature_major': 3439.752},
        'forward_ms': {'batch_major': 687.422, 'feature_major': 700.097}},
    ('cpu/AVX2', 'GRU', 128, 1024, 512): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 7346.377, 'feature_major': 8298.872},
        'forward_ms': {'batch_major': 1819.608, 'feature_major': 1810.902}},
    ('cpu/AVX2', 'LSTM', 8, 64, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 3.67, 'feature_major': 4.515},
        'forward_ms': {'batch_major': 1.196, 'feature_major': 1.61}},
    ('cpu/AVX2', 'LSTM', 8, 64, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 7.879, 'feature_major': 9.682},
        'forward_ms': {'batch_major': 3.339, 'feature_major': 3.439}},
    ('cpu/AVX2', 'LSTM', 8, 64, 256): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 15.038, 'feature_major': 14.342},
        'forward_ms': {'batch_major': 7.721, 'feature_major': 6.008}},
    ('cpu/AVX2', 'LSTM', 8, 64, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 48.099, 'feature_major': 43.11},
        'forward_ms': {'batch_major': 17.067, 'feature_major': 14.815}},
    ('cpu/AVX2', 'LSTM', 8, 256, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 7.423, 'feature_major': 9.529},
        'forward_ms': {'batch_major': 2.821, 'feature_major': 3.452}},
    ('cpu/AVX2', 'LSTM', 8, 256, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 19.218, 'feature_major': 23.994},
        'forward_ms': {'batch_major': 7.699, 'feature_major': 8.423}},
    ('cpu/AVX2', 'LSTM', 8, 256, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 52.591, 'feature_major': 55.6},
        'forward_ms': {'batch_major': 22.466, 'feature_major': 16.552}},
    ('cpu/AVX2', 'LSTM', 8, 256, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 161.274, 'feature_major': 135.4},
        'forward_ms': {'batch_major': 63.876, 'feature_major': 43.153}},
    ('cpu/AVX2', 'LSTM', 8, 1024, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 31.755, 'feature_major': 43.293},
        'forward_ms': {'batch_major': 10.553, 'feature_major': 14.994}},
    ('cpu/AVX2', 'LSTM', 8, 1024, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 90.229, 'feature_major': 96.772},
        'forward_ms': {'batch_major': 30.295, 'feature_major': 33.696}},
    ('cpu/AVX2', 'LSTM', 8, 1024, 256): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 206.942, 'feature_major': 203.799},
        'forward_ms': {'batch_major': 100.855, 'feature_major': 74.911}},
    ('cpu/AVX2', 'LSTM', 8, 1024, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 666.215, 'feature_major': 552.925},
        'forward_ms': {'batch_major': 242.606, 'feature_major': 164.996}},
    ('cpu/AVX2', 'LSTM', 32, 64, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 6.622, 'feature_major': 6.968},
        'forward_ms': {'batch_major': 2.624, 'feature_major': 2.691}},
    ('cpu/AVX2', 'LSTM', 32, 64, 128): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 17.767, 'feature_major': 17.522},
        'forward_ms': {'batch_major': 7.226, 'feature_major': 6.493}},
    ('cpu/AVX2', 'LSTM', 32, 64, 256): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 40.766, 'feature_major': 37.899},
        'forward_ms': {'batch_major': 17.481, 'feature_major': 12.258}},
    ('cpu/AVX2', 'LSTM', 32, 64, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 135.442, 'feature_major': 106.829},
        'forward_ms': {'batch_major': 46.922, 'feature_major': 35.284}},
    ('cpu/AVX2', 'LSTM', 32, 256, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 26.019, 'feature_major': 28.677},
        'forward_ms': {'batch_major': 9.819, 'feature_major': 10.275}},
    ('cpu/AVX2', 'LSTM', 32, 256, 128): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 68.503, 'feature_major': 66.636},
        'forward_ms': {'batch_major': 28.128, 'feature_major': 24.18}},
    ('cpu/AVX2', 'LSTM', 32, 256, 256): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 163.364, 'feature_major': 149.206},
        'forward_ms': {'batch_major': 69.992, 'feature_major': 47.011}},
    ('cpu/AVX2', 'LSTM', 32, 256, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 536.791, 'feature_major': 432.922},
        'forward_ms': {'batch_major': 401.359, 'feature_major': 257.939}},
    ('cpu/AVX2', 'LSTM', 32, 1024, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 108.337, 'feature_major': 116.723},
        'forward_ms': {'batch_major': 42.929, 'feature_major': 51.367}},
    ('cpu/AVX2', 'LSTM', 32, 1024, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 280.406, 'feature_major': 305.17},
        'forward_ms': {'batch_major': 112.172, 'feature_major': 96.133}},
    ('cpu/AVX2', 'LSTM', 32, 1024, 256): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 660.939, 'feature_major': 604.93},
        'forward_ms': {'batch_major': 301.544, 'feature_major': 192.468}},
    ('cpu/AVX2', 'LSTM', 32, 1024, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 2228.319, 'feature_major': 1753.899},
        'forward_ms': {'batch_major': 752.416, 'feature_major': 545.759}},
    ('cpu/AVX2', 'LSTM', 128, 64, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 23.078, 'feature_major': 24.081},
        'forward_ms': {'batch_major': 9.537, 'feature_major': 10.522}},
    ('cpu/AVX2', 'LSTM', 128, 64, 128): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 60.35, 'feature_major': 49.843},
        'forward_ms': {'batch_major': 25.923, 'feature_major': 19.186}},
    ('cpu/AVX2', 'LSTM', 128, 64, 256): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 131.125, 'feature_major': 130.451},
        'forward_ms': {'batch_major': 41.917, 'feature_major': 42.864}},
    ('cpu/AVX2', 'LSTM', 128, 64, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 487.083, 'feature_major': 431.229},
        'forward_ms': {'batch_major': 148.819, 'feature_major': 141.053}},
    ('cpu/AVX2', 'LSTM', 128, 256, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 102.982, 'feature_major': 112.5},
        'forward_ms': {'batch_major': 38.699, 'feature_major': 46.536}},
    ('cpu/AVX2', 'LSTM', 128, 256, 128): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 373.119, 'feature_major': 336.466},
        'forward_ms': {'batch_major': 131.858, 'feature_major': 117.518}},
    ('cpu/AVX2', 'LSTM', 128, 256, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 547.951, 'feature_major': 566.951},
        'forward_ms': {'batch_major': 169.647, 'feature_major': 171.602}},
    ('cpu/AVX2', 'LSTM', 128, 256, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 1901.229, 'feature_major': 1810.957},
        'forward_ms': {'batch_major': 534.413, 'feature_major': 535.879}},
    ('cpu/AVX2', 'LSTM', 128, 1024, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 392.522, 'feature_major': 458.095},
        'forward_ms': {'batch_major': 149.99, 'feature_major': 196.336}},
    ('cpu/AVX2', 'LSTM', 128, 1024, 128): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 1208.674, 'feature_major': 1155.349},
        'forward_ms': {'batch_major': 545.988, 'feature_major': 376.023}},
    ('cpu/AVX2', 'LSTM', 128, 1024, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 2320.823, 'feature_major': 2670.285},
        'forward_ms': {'batch_major': 735.379, 'feature_major': 758.444}},
    ('cpu/AVX2', 'LSTM', 128, 1024, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 9775.353, 'feature_major': 9980.419},
        'forward_ms': {'batch_major': 2075.815, 'feature_major': 2117.578}},
    ('cpu/AVX2', 'RNN', 8, 64, 64): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 1.088, 'feature_major': 0.831},
        'forward_ms': {'batch_major': 0.359, 'feature_major': 0.351}},
    ('cpu/AVX2', 'RNN', 8, 64, 128): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 1.791, 'feature_major': 1.721},
        'forward_ms': {'batch_major': 0.636, 'feature_major': 0.761}},
    ('cpu/AVX2', 'RNN', 8, 64, 256): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 6.349, 'feature_major': 5.92},
        'forward_ms': {'batch_major': 2.36, 'feature_major': 2.512}},
    ('cpu/AVX2', 'RNN', 8, 64, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 14.432, 'feature_major': 11.595},
        'forward_ms': {'batch_major': 5.841, 'feature_major': 5.802}},
    ('cpu/AVX2', 'RNN', 8, 256, 64): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 3.424, 'feature_major': 2.581},
        'forward_ms': {'batch_major': 1.093, 'feature_major': 1.137}},
    ('cpu/AVX2', 'RNN', 8, 256, 128): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 7.065, 'feature_major': 6.071},
        'forward_ms': {'batch_major': 2.203, 'feature_major': 2.659}},
    ('cpu/AVX2', 'RNN', 8, 256, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 15.842, 'feature_major': 15.406},
        'forward_ms': {'batch_major': 6.266, 'feature_major': 8.387}},
    ('cpu/AVX2', 'RNN', 8, 256, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 41.976, 'feature_major': 35.062},
        'forward_ms': {'batch_major': 15.314, 'feature_major': 12.17}},
    ('cpu/AVX2', 'RNN', 8, 1024, 64): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 14.523, 'feature_major': 11.651},
        'forward_ms': {'batch_major': 4.416, 'feature_major': 5.13}},
    ('cpu/AVX2', 'RNN', 8, 1024, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 30.19, 'feature_major': 29.726},
        'forward_ms': {'batch_major': 10.623, 'feature_major': 13.661}},
    ('cpu/AVX2', 'RNN', 8, 1024, 256): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 69.998, 'feature_major': 66.175},
        'forward_ms': {'batch_major': 25.081, 'feature_major': 25.958}},
    ('cpu/AVX2', 'RNN', 8, 1024, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 173.605, 'feature_major': 134.783},
        'forward_ms': {'batch_major': 62.126, 'feature_major': 57.681}},
    ('cpu/AVX2', 'RNN', 32, 64, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 3.129, 'feature_major': 3.393},
        'forward_ms': {'batch_major': 1.107, 'feature_major': 1.355}},
    ('cpu/AVX2', 'RNN', 32, 64, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 4.671, 'feature_major': 4.727},
        'forward_ms': {'batch_major': 1.934, 'feature_major': 2.289}},
    ('cpu/AVX2', 'RNN', 32, 64, 256): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 13.77, 'feature_major': 11.98},
        'forward_ms': {'batch_major': 5.532, 'feature_major': 5.404}},
    ('cpu/AVX2', 'RNN', 32, 64, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 35.025, 'feature_major': 29.271},
        'forward_ms': {'batch_major': 14.382, 'feature_major': 11.883}},
    ('cpu/AVX2', 'RNN', 32, 256, 64): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 10.454, 'feature_major': 9.171},
        'forward_ms': {'batch_major': 3.646, 'feature_major': 4.708}},
    ('cpu/AVX2', 'RNN', 32, 256, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 23.002, 'feature_major': 22.402},
        'forward_ms': {'batch_major': 7.826, 'feature_major': 9.194}},
    ('cpu/AVX2', 'RNN', 32, 256, 256): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 67.775, 'feature_major': 60.822},
        'forward_ms': {'batch_major': 28.971, 'feature_major': 28.477}},
    ('cpu/AVX2', 'RNN', 32, 256, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 143.404, 'feature_major': 125.265},
        'forward_ms': {'batch_major': 54.137, 'feature_major': 40.537}},
    ('cpu/AVX2', 'RNN', 32, 1024, 64): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 40.212, 'feature_major': 38.545},
        'forward_ms': {'batch_major': 12.793, 'feature_major': 19.009}},
    ('cpu/AVX2', 'RNN', 32, 1024, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 81.415, 'feature_major': 79.806},
        'forward_ms': {'batch_major': 32.284, 'feature_major': 40.582}},
    ('cpu/AVX2', 'RNN', 32, 1024, 256): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 231.961, 'feature_major': 221.196},
        'forward_ms': {'batch_major': 105.782, 'feature_major': 97.696}},
    ('cpu/AVX2', 'RNN', 32, 1024, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 600.408, 'feature_major': 507.893},
        'forward_ms': {'batch_major': 217.153, 'feature_major': 163.942}},
    ('cpu/AVX2', 'RNN', 128, 64, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 7.732, 'feature_major': 8.368},
        'forward_ms': {'batch_major': 2.979, 'feature_major': 4.791}},
    ('cpu/AVX2', 'RNN', 128, 64, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 18.802, 'feature_major': 20.169},
        'forward_ms': {'batch_major': 7.14, 'feature_major': 8.103}},
    ('cpu/AVX2', 'RNN', 128, 64, 256): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 40.643, 'feature_major': 38.492},
        'forward_ms': {'batch_major': 15.435, 'feature_major': 16.897}},
    ('cpu/AVX2', 'RNN', 128, 64, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 120.042, 'feature_major': 114.035},
        'forward_ms': {'batch_major': 42.006, 'feature_major': 42.386}},
    ('cpu/AVX2', 'RNN', 128, 256, 64): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 45.165, 'feature_major': 42.586},
        'forward_ms': {'batch_major': 17.01, 'feature_major': 25.161}},
    ('cpu/AVX2', 'RNN', 128, 256, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 90.858, 'feature_major': 93.335},
        'forward_ms': {'batch_major': 36.763, 'feature_major': 44.418}},
    ('cpu/AVX2', 'RNN', 128, 256, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 191.399, 'feature_major': 186.893},
        'forward_ms': {'batch_major': 61.407, 'feature_major': 69.493}},
    ('cpu/AVX2', 'RNN', 128, 256, 512): {
        'layout': 'feature_major',
        'train_ms': {'batch_major': 491.31, 'feature_major': 463.735},
        'forward_ms': {'batch_major': 170.565, 'feature_major': 174.423}},
    ('cpu/AVX2', 'RNN', 128, 1024, 64): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 159.275, 'feature_major': 217.18},
        'forward_ms': {'batch_major': 55.26, 'feature_major': 125.271}},
    ('cpu/AVX2', 'RNN', 128, 1024, 128): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 349.37, 'feature_major': 392.89},
        'forward_ms': {'batch_major': 140.357, 'feature_major': 194.241}},
    ('cpu/AVX2', 'RNN', 128, 1024, 256): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 659.298, 'feature_major': 689.49},
        'forward_ms': {'batch_major': 243.272, 'feature_major': 328.811}},
    ('cpu/AVX2', 'RNN', 128, 1024, 512): {
        'layout': 'batch_major',
        'train_ms': {'batch_major': 1990.841, 'feature_major': 2176.946},
        'forward_ms': {'batch_major': 686.313, 'feature_major': 703.391}},
}
