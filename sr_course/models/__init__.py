"""The course's model modules, one per model lesson. Each declares its architectures, their recipes and zoo entries;
the zoo imports these (only when a trained model is first asked for, since they load Keras). A new model lesson adds
its module's name here and touches nothing else."""
COURSE_MODELS = ("srcnn", "fast", "autoencoder", "perceptual", "srresnet")
