"""The shared runtime: manifest loading, input coercion, the HTTP executor and errors."""
