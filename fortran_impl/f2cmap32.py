dict(real=dict(wp='float'))
