dict(real=dict(wp='double'))
