"""Entry point of the project's experiments.

    python launch.py

Until the experiment harness lands, this runs the library demo: every
registered cell unrolled over a random batch, with shapes and timings.
"""

from absl import app, logging

from experiments import demo


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    logging.set_verbosity(logging.WARNING)
    demo.main()


if __name__ == "__main__":
    app.run(main)
