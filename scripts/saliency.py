"""D. Saliency (Erhan et al. 2009; Simonyan et al. 2013): |gradient| of the max-response output wrt
each image, summed over the colour channels, cached for saliency-alexnet, saliency-vgg19 and
smoothgrad-vgg19."""
from underhood import cli, io, saliency

cli.one_line_errors()  # the project's own errors end with one line, not a traceback

a = cli.maps_parser(__doc__).parse_args()
model, x, out = cli.load_model_and_images(a)
out["maps"] = saliency.saliency(model, x, out["target"].to(x.device)).cpu()
io.save_torch(out, a.output)
