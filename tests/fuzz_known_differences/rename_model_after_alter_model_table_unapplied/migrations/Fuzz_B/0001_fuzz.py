from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='Model15',
            fields=[
                ('id', models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('m2m_16', models.ManyToManyField(related_name='+', to='self')),
            ],
            options={
                'db_table': 'fz_table19',
            },
        ),
    ]
