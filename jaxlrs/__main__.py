"""``python -m jaxlrs show EXPR --steps N``: see :mod:`jaxlrs._cli`."""

if __name__ == "__main__":
    from jaxlrs._cli import main

    raise SystemExit(main())
