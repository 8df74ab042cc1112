"""D. Occlusion sensitivity (Zeiler and Fergus 2014): the drop of the max-response score when a mask
covers each pixel, one map per fill (a grey patch, a blurred copy), cached for occlusion-originals,
occlusion-mask and occlusion-vgg19."""
from underhood import backprop, cli, io, occlusion
from underhood.data import as_float

cli.one_line_errors()  # the project's own errors end with one line, not a traceback

p = cli.maps_parser(__doc__)
p.add_argument("--mask", type=int, required=True, help="mask side (pixels)")
p.add_argument("--stride", type=int, required=True, help="mask step (pixels)")
p.add_argument("--fills", nargs="+", required=True, choices=occlusion.FILLS)
p.add_argument("--blur-sigma", type=float, required=True, help="the blurred fill's Gaussian std, fraction of the side")
p.add_argument("--batch-size", type=int, required=True, help="occluded copies per forward pass")
p.add_argument("--method", required=True, choices=occlusion.METHODS, help="auto: incremental where the net allows it")
p.add_argument("--approximate", type=float, required=True,
               help="0: every window (exact); a fraction: drill-down, refining where the coarse map >= it x max")
a = p.parse_args()

model, info, space = cli.load_model(a)
images = io.load_torch(a.images)["images"]
x = space.to_input(as_float(images))
out = backprop.classify(model, x, info["classes"])
out.update(mask=a.mask, stride=a.stride, maps={})
approx = dict(refine=a.approximate, stats={}) if a.approximate else {}
for fill in a.fills:
    if fill == "blur":  # drawn by occlusion-mask
        out["blurred"] = (occlusion.fill(images, "blur", a.blur_sigma) * 255).round().byte()
    f = space.to_input(occlusion.fill(images.to(x.device), fill, a.blur_sigma))
    out["maps"][fill] = occlusion.occlusion(model, x, out["target"].to(x.device), a.mask, a.stride, f, a.batch_size,
                                            progress=True, method=a.method, **approx).cpu()
    print(f"fill {fill}: drop in [{out['maps'][fill].min():.3f}, {out['maps'][fill].max():.3f}]")
if approx:  # said in the figure's footer
    out["approximate"] = dict(refine=a.approximate, computed=sum(approx["stats"]["computed"]) / len(approx["stats"]["computed"]))
io.save_torch(out, a.output)
