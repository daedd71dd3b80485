"""Reading and writing files: meshes (with colours), images (checked before
they are decoded), npz headers and .glb. Every writer writes whole or not at
all. Import the modules: ``mmssr.io.mesh``, ``mmssr.io.image``,
``mmssr.io.npz``, ``mmssr.io.glb``."""
