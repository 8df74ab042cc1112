"""D. The irregular gradient behind SmoothGrad (Smilkov et al. 2017, Fig. 2): the gradient of the
max-response output along x + t eps, t in [0, 1], at a few pixels of one image, and x + eps, cached
for gradient-irregularity."""
from underhood import backprop, cli, io, smoothgrad
from underhood.data import as_float

cli.one_line_errors()  # the project's own errors end with one line, not a traceback

p = cli.maps_parser(__doc__)
p.add_argument("--image", type=int, required=True, help="which of the images")
p.add_argument("--eps-std", type=float, required=True, help="std of eps, fraction of max - min of the image")
p.add_argument("--nb-steps", type=int, required=True, help="points t along [0, 1]")
p.add_argument("--nb-pixels", type=int, required=True, help="pixels followed")
p.add_argument("--batch-size", type=int, required=True, help="points per backward pass")
a = p.parse_args()

model, info, space = cli.load_model(a)
x = space.to_input(as_float(io.load_torch(a.images)["images"]))
if not 0 <= a.image < len(x):
    raise SystemExit(f"irregularity: image {a.image} is not one of the {len(x)} images (0..{len(x) - 1})")
out, img = backprop.classify(model, x, info["classes"]), x[a.image]
g = smoothgrad.gradient_irregularity(model, img, out["target"][a.image].item(), a.eps_std, a.nb_steps, a.nb_pixels,
                                     a.batch_size, a.seed)
far = space.to_pixels(img + g["eps"]).clamp(0, 1)  # x + eps, as pixels
out.update(t=g["t"], fraction=g["fraction"], pixels=g["pixels"], image=a.image, eps_std=a.eps_std,
           far=(far * 255).round().byte(), max_change=g["max_change"])
print(f"pixels {g['pixels'].tolist()}; |eps| max {out['max_change']:.4f} of the range")
io.save_torch(out, a.output)
