# One SSR model for the 13 categories together (the reference trains one per
# category): otherwise ssr_shapenet_n2.py's recipe.
_base_ = ['./ssr_shapenet_n2.py']
train_per_category = False
