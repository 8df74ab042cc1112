"""D. Back-propagation, deconvolution and guided back-propagation (Zeiler and Fergus 2014; Springenberg
et al. 2014): the gradient of the max unit of the convolutional part (model.features) wrt each image,
by each ReLU rule, cached (as relu-rules-<model>) for backprop-deconv-guided-vgg16."""
import torch

from underhood import backprop, cli, io

cli.one_line_errors()  # the project's own errors end with one line, not a traceback

a = cli.maps_parser(__doc__).parse_args()
model, x, out = cli.load_model_and_images(a)
feats = getattr(model, "features", None)
if feats is None:
    raise SystemExit(f"relu-rules: the model ({type(model).__name__}) has no `features` part")
out["maps"] = {rule: backprop.input_gradient(feats, x, None, rule).cpu() for rule in backprop.RULES}
with torch.no_grad():
    out["units"] = feats(x).flatten(1).argmax(1).cpu()
io.save_torch(out, a.output)
