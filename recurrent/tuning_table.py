"""The measured table behind `rec.tuning` (generated; do not edit by hand).

Written by `python -m experiments.benchmark.tuning WORKDIR --write` from the in-process
rows of a benchmark run. `SOURCE` gives per platform (`rec.tuning.platform`) the run's
command, commit, date, machine and software; `MEASURED` maps (platform, cell class, B, T,
H) to the layout chosen for the training step there and the medians it was chosen from
(ms).
"""

SOURCE = {'cpu/AVX2': {'command': 'python launch.py '
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
