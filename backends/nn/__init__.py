"""Training, written once on top of the interface: layers, losses, optimizers, `Model`, saving.

Nothing here knows which backend it runs on: every computation is a call of `backends.Backend`
(or, on the hot path, of its unchecked `kernels`). A backend that compiles whole training steps
offers them through the interface's optional `compiled_training_step` hook, which is handed the
model's training plan (`plan`: the model as plain data) and nothing else of it; `compiled` drives
such a step with the model's arrays, and `epochs` gives `Model.fit` one kind of epoch runner for
either path.
"""
