"""D. SmoothGrad (Smilkov et al. 2017): |mean of the gradients of the max-response output at noisy
copies x + eps| summed over the colour channels, cached for smoothgrad-vgg19."""
import torch

from underhood import cli, io, smoothgrad

cli.one_line_errors()  # the project's own errors end with one line, not a traceback

p = cli.maps_parser(__doc__)
p.add_argument("--sigma", type=float, required=True, help="noise std, fraction of max - min of the image")
p.add_argument("--nb-samples", type=int, required=True, help="noisy copies")
p.add_argument("--batch-size", type=int, required=True, help="noisy copies per backward pass")
a = p.parse_args()

model, x, out = cli.load_model_and_images(a)
g = torch.Generator(device=x.device).manual_seed(a.seed)
out.update(sigma=a.sigma, nb_samples=a.nb_samples,
           maps=smoothgrad.smoothgrad(model, x, out["target"].to(x.device), a.sigma, a.nb_samples, a.batch_size, g).cpu())
io.save_torch(out, a.output)
