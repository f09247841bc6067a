"""Training, written once on top of the interface: layers, losses, optimizers, `Model`, saving.

Nothing here knows which backend it runs on: every computation is a call of `backends.Backend`
(or, on the hot path, of its unchecked `kernels`), and a backend that compiles whole training steps
offers them through the interface's optional `compiled_training_step` hook.
"""
