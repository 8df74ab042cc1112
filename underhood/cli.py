"""Arguments shared by the figure scripts: which model to load, and how to run."""


def add_model_args(parser):
    """--model PATH, and for a downloaded torchvision state dict --arch and its pinned --sha256."""
    parser.add_argument("--model", required=True, help="checkpoint (or torchvision state dict with --arch)")
    parser.add_argument("--arch", default=None)
    parser.add_argument("--sha256", default=None)


def add_run_args(parser):
    """--seed, --device (auto | cpu | cuda) and --threads."""
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=1)
