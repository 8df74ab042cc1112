"""underhood: the figures of the lecture "Under the hood" (EE-559, lecture 8), regenerated.

Modules, in the data path's order (config -> data and models -> methods -> figures), named in the
lecture's words:
  config          config checks before any job runs: schema, rules between keys, photo files
  names           the layer and class names the figures use, checked against the models
  cli             what the scripts share: model and run arguments, one-line errors
  io              atomic writes, checked torch files, deterministic figure files (panel sizes; PNG, PDF, SVG),
                  device, seeds
  provenance      what made each figure (files, seed, config, versions, commit, date); MANIFEST.json entries
  gallery         the gallery page figures/<tier>/index.html
  assets          the lecture tier's downloads (pinned SHA-256) and the MNIST / CIFAR-10 readers
  data            embedded data sets (digits28, shapes, faces, swiss roll)
  photo           the photos figures show: scikit-image names or JPEG/PNG files, one reader, each figure's crop
  models          the model zoo (LeNet, AlexNet-, VGG- and ResNet-like nets, the 2d dynamics net, torchvision's
                  ImageNet nets), checkpoints
  inputs          a model's input space: normalization (x - mean) / std and back, its valid range
  train           training of the nets the pipeline makes itself (classifiers, the 2d dynamics net): one loop
  toy             A. the R^2 -> 2 MLP whose hidden units are lines
  plot            A. filter grids, image grids, tables (shared drawing)
  activations     B. internal layer activations (one forward-hook recorder), channel selectivity (d')
  dynamics        B. the 2d dynamics data (Fleuret, 2016): pymunk scenes, their images
  dynamics_plot   B. the 2d dynamics net's figures: predictions, activation maps
  tsne            C. layers as embeddings: t-SNE, PCA
  occlusion       D. occlusion sensitivity (batched, or incremental; an approximate drill-down)
  incremental     D. exact incremental inference for occlusion (each layer only where a window changed it)
  saliency        D. saliency maps (the input gradient)
  smoothgrad      D. SmoothGrad, and the gradient along a path (its irregularity)
  backprop        D. back-propagation, deconvolution and guided back-propagation
  zeiler          D. Zeiler and Fergus' top-9 images of a channel
  around_input_plot  D. the around-input figures, one function per figure
  edge_energy     E. the multi-scale edge-energy prior
  max_response    E. maximum-response images (objectives on units, channels, classes)
  adversarial     E. adversarial examples, the table per iteration, the sphere test
  fooling         E. fooling images (a genetic algorithm)
  synthesis_plot  E. the synthesis figures
  dilation        F. output sizes of dilated convolutions, and their diagram
"""
