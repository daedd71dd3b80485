# One SoftRas model for the 13 categories together (the reference trains one
# per category): otherwise softras_shapenet_n2.py's recipe.
_base_ = ['./softras_shapenet_n2.py']
train_per_category = False
