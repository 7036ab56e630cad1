"""Reference values computed with JAX (``make.py``, run where JAX is installed; the tests
only read ``values.npz``): JVPs and VJPs of complex and Fourier computations, and JAX's
complex transforms, for ``tests/test_complex.py`` to compare with."""
