"""Tools that show each step of differentiation: Wengert lists, traces, graphs."""
